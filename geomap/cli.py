"""The ``geomap`` command: a thin skin over the library (see DESIGN.md for the contract)."""

from __future__ import annotations

import dataclasses
import gc
import sys
from pathlib import Path

import click
import orjson

from geomap.config import Settings, parse_store_location
from geomap.errors import GeomapError, ValidationError
from geomap.services.accounts import ROLES

MAX_BATCH_LINE = 1000
CYCLE_BATCHES = 64  # geocode --json -: a collection every so many batches of lines
READ_LINES = 256  # ... and one read of the index for so many lines (a writer waits ~0.1 s at most)


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


class GeomapGroup(click.Group):
    """Maps geomap's named errors to a one-line message and exit code 2, in one place."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GeomapError as exc:
            click.echo(f"geomap: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=GeomapGroup)
@click.option("--db", metavar="PATH|URL", default=None,
              help="Incident store: a SQLite file, sqlite:///path or postgresql://user@host/db; "
                   "default $GEOMAP_DB or a per-user file.")
@click.version_option(package_name="geomap")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """geomap: incidents from reports, on a map, with an offline gazetteer."""
    ctx.obj = {"settings": Settings.from_env(db=parse_store_location(db) if db else None)}


def _store(ctx: click.Context, *, create: bool = True):
    """The store of --db / GEOMAP_DB, opened once per command; None when ``create`` is False
    and there is no such SQLite file yet (a new store has nothing to consult)."""
    root = ctx.find_root()
    if root.obj.get("store") is None:
        from geomap.store import open_configured_store

        db = _settings(ctx).db
        if not create and "://" not in str(db) and not Path(db).exists():
            return None
        root.obj["store"] = open_configured_store(_settings(ctx))
        root.call_on_close(root.obj["store"].close)
    return root.obj["store"]


def _gazetteer(ctx: click.Context):
    """The gazetteer, consulting the learned places of the store (the README's contract)."""
    from geomap.gazetteer import open_gazetteer

    def progress(label, count):
        click.echo(f"  gazetteer: {label}: {count:,}", err=True)

    settings = _settings(ctx)
    store = _store(ctx, create=False)
    gazetteer = open_gazetteer(settings, build=False,
                               learned=store.learned_places if store is not None else None)
    if not gazetteer.is_current():
        click.echo(f"Building the gazetteer index at {settings.gazetteer_db} (once)...", err=True)
        gazetteer.build(progress=progress)
    return gazetteer


@main.command()
@click.option("--country", metavar="CC", help="ISO 3166-1 alpha-2 country hint, e.g. IQ.")
@click.option("--json", "as_json", is_flag=True, help="One JSON answer per query (DESIGN.md).")
@click.argument("queries", nargs=-1, required=True)
@click.pass_context
def geocode(ctx: click.Context, country: str | None, as_json: bool, queries: tuple[str, ...]) -> None:
    """Resolve place names; `-` reads `query<TAB>CC` lines from stdin."""
    country = parse_country(country, "--country") if country else None
    gazetteer = _gazetteer(ctx)
    if queries == ("-",):
        gc.freeze()  # what start-up loaded lives as long as the process: never scan it again
        geocode_lines(gazetteer, sys.stdin.buffer, sys.stdout.buffer, country)
        return
    missing = 0
    for query in queries:
        answer = gazetteer.resolve(query, country=country)
        missing += answer["match"] is None
        click.echo(orjson.dumps(answer).decode() if as_json else describe_answer(answer))
    ctx.exit(1 if missing else 0)


def parse_country(value: str, field: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased, or ValidationError naming ``field``."""
    import pycountry

    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def geocode_lines(gazetteer, lines, out, default_country: str | None) -> None:
    """Answer each input line with one JSON line, in order; a bad line gets an error object.

    The answers to the lines one read brings are written together, then flushed before the
    next read waits: a pipe of thousands of lines is not a write per line, and a person
    typing still sees each answer at once."""
    number = 0
    # Answering makes no reference cycles (none found after thousands of lines, bad ones
    # among them), yet the collector's passes over what the caches take in cost ~8% of
    # the CPU: it is off, and every CYCLE_BATCHES batches it looks once at what they left
    # (any cycle included), which then lives on out of its sight (frozen).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for batches, batch in enumerate(iter_line_batches(lines), start=1):
            out.write(b"\n".join(_answer_batch(gazetteer, batch, number, default_country)) + b"\n")
            number += len(batch)
            out.flush()
            if batches % CYCLE_BATCHES == 0:
                gc.collect()
                gc.freeze()
    finally:
        # What the last batches left lives on unseen too: a pass over it, then the teardown of
        # the caches at exit, cost 0.25 s of CPU after 10,000 lines.
        gc.freeze()
        if collecting:
            gc.enable()


def _answer_batch(gazetteer, batch: list[bytes], number: int, default_country) -> list[bytes]:
    """The JSON answers of a batch's lines (``number``: how many lines came before), each
    READ_LINES of them answered in one read of the index."""
    answers = []
    for start in range(0, len(batch), READ_LINES):
        with gazetteer.reading():
            for raw in batch[start:start + READ_LINES]:
                number += 1
                answers.append(orjson.dumps(_answer_line(gazetteer, raw, number, default_country)))
    return answers


def _answer_line(gazetteer, raw: bytes, number: int, default_country: str | None) -> dict:
    try:
        query, country = parse_batch_line(raw, default_country)
        return gazetteer.resolve(query, country=country)
    except ValidationError as exc:
        return {"line": number, **exc.to_dict()}


def iter_line_batches(stream, size: int = 65_536):
    """Lists of the complete lines (without their newline) that each read of ``stream``
    brings; a last line without a newline comes last."""
    read = getattr(stream, "read1", stream.read)
    parts: list[bytes] = []  # a line longer than a read, kept in pieces until its end
    while chunk := read(size):
        if b"\n" not in chunk:
            parts.append(chunk)
            continue
        lines = b"".join([*parts, chunk]).split(b"\n")
        parts = [lines.pop()]
        yield lines
    rest = b"".join(parts)
    if rest:
        yield [rest]


def parse_batch_line(raw: bytes, default_country: str | None) -> tuple[str, str | None]:
    """``query[<TAB>CC]`` from one stdin line, or ValidationError naming what is wrong."""
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise ValidationError("query", f"line is not valid UTF-8 (byte {exc.start})") from None
    query, _, country = text.partition("\t")
    if not query.strip():
        raise ValidationError("query", "empty query")
    if len(query) > MAX_BATCH_LINE:
        raise ValidationError("query", f"query is {len(query):,} characters; the limit is {MAX_BATCH_LINE:,}")
    return query.strip(), parse_country(country, "country") if country.strip() else default_country


def describe_answer(answer: dict) -> str:
    """A human-readable answer: the match, why, and the other candidates."""
    from geomap.gazetteer.resolver import CONFIDENT

    match = answer["match"]
    if match is None:
        lines = [f"{answer['query']}: no place found"]
    else:
        lines = [f"{answer['query']} → {match['name']} ({match['feature']}, {match['admin1'] or '-'}, "
                 f"{match['country']})  {match['lat']:.5f}, {match['lon']:.5f}  {match['gazetteer_id']}"
                 f"  score {match['score']:.2f}{'' if match['score'] >= CONFIDENT else ' (tentative)'}",
                 f"  why: {match['why']}"]
    for candidate in answer["candidates"][1 if match else 0:]:
        lines.append(f"  or {candidate['name']} ({candidate['feature']}, {candidate['country']})"
                     f" {candidate['lat']:.4f}, {candidate['lon']:.4f}  score {candidate['score']:.2f}")
    return "\n".join(lines)


@main.command()
@click.option("--published", metavar="YYYY-MM-DD",
              help="Publication date, when a report's front matter has none.")
@click.option("--json", "as_json", is_flag=True, help="Print one GeoJSON FeatureCollection (one FILE).")
@click.option("--jsonl", "as_jsonl", is_flag=True,
              help="Print one FeatureCollection per line, per FILE, in order.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def extract(ctx: click.Context, published: str | None, as_json: bool, as_jsonl: bool,
            files: tuple[Path, ...]) -> None:
    """Print the incidents reports tell of as GeoJSON; nothing is stored."""
    from geomap.extract import iter_extract_files
    from geomap.extract.report import parse_published

    if as_json == as_jsonl:
        raise click.UsageError("give exactly one of --json and --jsonl")
    if as_json and len(files) > 1:
        raise click.UsageError("--json prints one collection: use --jsonl for several files")
    day = parse_published(published) if published else None
    settings, gazetteer = _settings(ctx), _gazetteer(ctx)
    failed = 0
    extracted = iter_extract_files(files, gazetteer, published=day, settings=settings)
    for file, result in zip(files, extracted, strict=True):
        if result.error is not None:
            if as_json:
                raise result.error
            # One line per file whatever happens, so a batch's lines still pair with its files.
            click.echo(f"geomap: {file.name}: {result.error}", err=True)
            failed += 1
            error = {"file": file.name, "message": str(result.error)}
            click.echo(orjson.dumps({"type": "FeatureCollection", "features": [], "error": error}).decode())
            continue
        for warning in result.warnings:
            click.echo(f"geomap: {file.name}: {warning}", err=True)
        collection = {"type": "FeatureCollection", "features": result.features}
        click.echo(orjson.dumps(collection, option=orjson.OPT_INDENT_2 if as_json else 0).decode())
    if failed:
        ctx.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", type=click.IntRange(1, 256), default=None,
              help="Worker threads (default $GEOMAP_THREADS or 8).")
@click.option("--connection-limit", type=click.IntRange(1, 100_000), default=None,
              help="Open connections accepted (default $GEOMAP_CONNECTION_LIMIT or 1000).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int | None,
          connection_limit: int | None) -> None:
    """Serve the map and the API with waitress."""
    import waitress

    from geomap.store import redact
    from geomap.web import create_app

    settings = dataclasses.replace(_settings(ctx), **{
        name: value for name, value in (("threads", threads), ("connection_limit", connection_limit))
        if value is not None})
    app = create_app(settings)
    click.echo(f"geomap: serving {redact(str(settings.db))} on http://{host}:{port}/ "
               f"({settings.threads} threads, up to {settings.connection_limit} connections)",
               err=True)
    waitress.serve(app, host=host, port=port, ident="geomap", threads=settings.threads,
                   connection_limit=settings.connection_limit)


PROGRESS_MIN_BYTES = 5_000_000  # smaller files are read too fast for a progress bar


@main.command()
@click.option("--status", type=click.Choice(["draft", "published"]), default=None,
              help="Status of incidents extracted from reports (default $GEOMAP_DEFAULT_STATUS).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def ingest(ctx: click.Context, status: str | None, paths: tuple[Path, ...]) -> None:
    """Store incidents from reports, GeoJSON, CSV and GeoPackage files, or folders of them.

    Reports are .txt or .md files; exit status 1 when a file or a feature was refused.
    """
    from geomap.services.ingest import ingest_paths

    settings, store = _settings(ctx), _store(ctx)
    summary = ingest_paths(store, paths, gazetteer_factory=lambda: _gazetteer(ctx),
                           status=status or settings.default_status, progress=_progress_bar)
    for line in summary.lines():
        click.echo(line)
    ctx.exit(1 if summary.refused or summary.failed else 0)


@main.command("migrate-store")
@click.option("--from", "source", required=True, metavar="PATH|URL",
              help="The store to copy (a SQLite file, or any store URL).")
@click.option("--to", "target", required=True, metavar="URL",
              help="The store to fill, e.g. postgresql://user@host/db (empty, or an "
                   "interrupted earlier copy).")
def migrate_store_command(source: str, target: str) -> None:
    """Copy every incident, kept version, user, API token, redirect and shared secret to
    another store, and prove it.

    Prints the counts and SHA-256 checksums of both; exit status 2 when they differ.
    """
    from geomap.config import parse_store_location
    from geomap.services.migrate import migrate_store
    from geomap.store import open_store, redact
    from geomap.store.records import RECORD_TABLES

    with open_store(parse_store_location(source)) as old, \
            open_store(parse_store_location(target)) as new:
        before, after = migrate_store(old, new)
    for label, where, digest in (("from", source, before), ("to", target, after)):
        click.echo(f"{label} {redact(where)}: {digest.features:,} incidents "
                   f"(sha256 {digest.features_sha256}), {digest.versions:,} earlier versions "
                   f"(sha256 {digest.versions_sha256})")
        for kind, count, checksum in digest.records:
            click.echo(f"  {count:,} {RECORD_TABLES[kind].label} (sha256 {checksum})")
    click.echo("the copy matches the source")


def _progress_bar(label: str, total: int):
    """A tqdm bar on stderr, by bytes read, for large files on a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="B", unit_scale=True, file=sys.stderr,
                leave=False, disable=True if total < PROGRESS_MIN_BYTES else None)


_QUERY_OPTIONS = {  # geomap.query.parse_query's parameters; repeatable ones marked with *
    "layer": "Layer id (default incidents).", "bbox": "minlon,minlat,maxlon,maxlat.",
    "start": "First day, YYYY-MM-DD.", "end": "Last day, YYYY-MM-DD.",
    "type": "ACLED event type.*", "sub_type": "ACLED sub-event type.*",
    "country": "ISO 3166-1 alpha-2 code.*", "actor": "Words in actor1 or actor2.",
    "q": "Words anywhere in the text.", "min_fatalities": "At least this many fatalities.",
    "precision": "Geo precision 1, 2 or 3.", "status": "draft or published.*",
    "limit": "At most this many (default: every match).", "offset": "Skip this many.",
    "sort": "event_date, event_date_asc, fatalities or id.",
}


def _query_options(command):
    for name, help_text in reversed(_QUERY_OPTIONS.items()):
        repeat = help_text.endswith("*")
        command = click.option(f"--{name.replace('_', '-')}", name, multiple=repeat,
                               help=help_text.rstrip("*") + (" Repeatable." if repeat else ""))(command)
    return command


@main.command()
@click.option("--format", "fmt", metavar="FORMAT",
              help="geojson, csv, kml, gpkg, html or acled (ACLED's own columns; default: "
              "from the file name).")
@click.option("-o", "--output", required=True, help="File to write; - for stdout.")
@_query_options
@click.pass_context
def export(ctx: click.Context, fmt: str | None, output: str, **params) -> None:
    """Write the incidents matching the filters to GeoJSON, CSV, KML, GeoPackage, HTML or ACLED CSV."""
    from geomap.services.export import export_query, export_to, format_for
    from geomap.store import open_configured_store

    settings = _settings(ctx)
    query, fmt = export_query(params), format_for(output, fmt)
    options = {"tiles": settings.tile_url, "attribution": settings.tile_attribution}
    with open_configured_store(settings) as store:
        count = export_to(store, query, fmt, output, **(options if fmt == "html" else {}))
    click.echo(f"{count:,} incidents written to {output}", err=True)


@main.group()
def gazetteer() -> None:
    """Build, extend and inspect the offline gazetteer."""


@gazetteer.command("build")
@click.pass_context
def gazetteer_build(ctx: click.Context) -> None:
    """Rebuild the gazetteer index from the embedded sources now."""
    from geomap.gazetteer import open_gazetteer

    built = open_gazetteer(_settings(ctx), build=False).build(
        progress=lambda label, count: click.echo(f"  {label}: {count:,}", err=True))
    click.echo(orjson.dumps(built, option=orjson.OPT_INDENT_2).decode())


@gazetteer.command("learned")
@click.option("--remove", metavar="NAME", help="Forget the learned places of this name.")
@click.option("--country", metavar="CC", help="Only in this country (ISO alpha-2).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per learned place.")
@click.pass_context
def gazetteer_learned(ctx: click.Context, remove: str | None, country: str | None,
                      as_json: bool) -> None:
    """Places learned from stored incidents (kept in the store of --db / GEOMAP_DB)."""
    country = parse_country(country, "--country") if country else None
    store = _store(ctx, create=False)
    if remove is not None:
        removed = store.remove_learned_place(remove, country) if store is not None else 0
        click.echo(f"{removed:,} learned place{'' if removed == 1 else 's'} named {remove!r} removed",
                   err=True)
        ctx.exit(0 if removed else 1)
    places = [p for p in (store.learned_places() if store is not None else [])
              if country is None or p.country == country]
    for place in places:
        click.echo(orjson.dumps(place.as_dict()).decode() if as_json else describe_learned(place))
    if not as_json:
        click.echo(f"{len(places):,} learned place{'' if len(places) == 1 else 's'} in "
                   f"{_settings(ctx).db}", err=True)


def describe_learned(place) -> str:
    """One learned place on a line: name, country, point, count and source."""
    return (f"{place.name}\t{place.country or '-'}\t{place.lat:.5f}, {place.lon:.5f}\t"
            f"{place.count} incident{'' if place.count == 1 else 's'}\t{place.source}\t"
            f"{place.admin1 or ''}")


@gazetteer.command("info")
@click.pass_context
def gazetteer_info(ctx: click.Context) -> None:
    """Where the index is, and what it holds."""
    click.echo(orjson.dumps(_gazetteer(ctx).info(), option=orjson.OPT_INDENT_2).decode())


@gazetteer.command("import")
@click.option("--alternate-names", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="GeoNames alternateNamesV2.txt (or .zip) to add names from.")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def gazetteer_import(ctx: click.Context, alternate_names: Path | None, paths: tuple[Path, ...]) -> None:
    """Load GeoNames dumps (allCountries.txt, IQ.txt or their .zip) for village-level cover."""
    from geomap.gazetteer import geonames_dump

    gz = _gazetteer(ctx)
    for path in paths:
        counts = geonames_dump.import_dump(gz.path, path, alternate_names=alternate_names, progress=True)
        click.echo(f"{path}: {_import_counts(counts)}", err=True)


@gazetteer.command("download")
@click.option("--base-url", default="https://download.geonames.org/export/dump/", show_default=True)
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to keep the files (default: beside the index).")
@click.argument("countries", nargs=-1, required=True)
@click.pass_context
def gazetteer_download(ctx: click.Context, base_url: str, dest: Path | None,
                       countries: tuple[str, ...]) -> None:
    """Fetch GeoNames country files (needs the network), then import them."""
    from geomap.gazetteer import geonames_dump

    gz = _gazetteer(ctx)
    codes = [parse_country(c, "COUNTRIES") for c in countries]
    dest = dest or gz.path.parent / "geonames"
    for path in geonames_dump.download_country_files(codes, dest, base_url=base_url, progress=True):
        counts = geonames_dump.import_dump(gz.path, path, progress=True)
        click.echo(f"{path.name}: {_import_counts(counts)}", err=True)


def _import_counts(counts: dict) -> str:
    """``19 places, 40 names; 2 lines refused (1 not UTF-8, 1 no name)``."""
    from geomap.gazetteer.geonames_dump import refusal_reasons

    text = f"{counts['places']:,} places, {counts['names']:,} names"
    if counts["refused"]:
        text += f"; {counts['refused']:,} lines refused ({refusal_reasons(counts)})"
    return text


@main.group()
def users() -> None:
    """Accounts: viewer, analyst, editor and admin; API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--no-password", is_flag=True, help="A token-only account (no page login).")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, no_password: bool) -> None:
    """Add a user; the password is asked for, or read from stdin when it is not a terminal."""
    from geomap.services.accounts import add_user

    password = None if no_password else _read_password()
    store = _store(ctx)
    user = add_user(store, name, role, password)
    click.echo(f"added {user['name']} ({user['role']})")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """Print each user's name and role."""
    store = _store(ctx)
    for user in store.users():
        click.echo(f"{user['name']}\t{user['role']}")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_context
def users_set_role(ctx: click.Context, name: str, role: str) -> None:
    """Change a user's role (their open sessions end)."""
    from geomap.services.accounts import set_role

    store = _store(ctx)
    set_role(store, name, role)
    click.echo(f"{name} is now {role}")


@users.command("password")
@click.argument("name")
@click.pass_context
def users_password(ctx: click.Context, name: str) -> None:
    """Set a user's password (asked for, or read from stdin); their open sessions end."""
    from geomap.services.accounts import set_password

    store = _store(ctx)
    set_password(store, name, _read_password())
    click.echo(f"password of {name} changed")


@users.command("remove")
@click.argument("name")
@click.pass_context
def users_remove(ctx: click.Context, name: str) -> None:
    """Remove a user and their tokens."""
    store = _store(ctx)
    store.remove_user(name)
    click.echo(f"removed {name}")


@users.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke every token of the user instead.")
@click.pass_context
def users_token(ctx: click.Context, name: str, revoke: bool) -> None:
    """Print a new API token for the user (shown this once), or revoke all of theirs."""
    from geomap.services.accounts import issue_token

    store = _store(ctx)
    if revoke:
        click.echo(f"revoked {store.revoke_tokens(name)} token(s) of {name}", err=True)
        return
    click.echo(issue_token(store, name))


if __name__ == "__main__":
    main()
