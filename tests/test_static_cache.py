"""Static files are compressed once per version and encoding, and sent from that copy."""

import gzip

import brotli
import pytest

from geomap.web import static_cache

COUNTRIES = "/static/vendor/world-atlas/countries-50m.json"


@pytest.fixture
def compressions(monkeypatch):
    """How many times each encoding compressed a file."""
    counted = {"br": 0, "gzip": 0}
    real = static_cache.StaticCompression._compress

    def counting(self, data, encoding):
        counted[encoding] += 1
        return real(self, data, encoding)
    monkeypatch.setattr(static_cache.StaticCompression, "_compress", counting)
    return counted


@pytest.mark.parametrize(("accept", "encoding", "decode"), [
    ("gzip, deflate, br", "br", brotli.decompress),
    ("gzip", "gzip", gzip.decompress),
])
def test_a_static_file_is_compressed_once_and_sent_from_its_copy(
        client, compressions, accept, encoding, decode):
    plain = client.get(COUNTRIES)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    first, again = (client.get(COUNTRIES, headers={"Accept-Encoding": accept}) for _ in range(2))
    for response in (first, again):
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decode(response.get_data()) == plain.get_data()
        assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert len(first.get_data()) * 2 < len(plain.get_data())
    assert compressions[encoding] == 1  # the second was sent from the copy
    assert first.headers["ETag"] == again.headers["ETag"] != plain.headers["ETag"]
    unchanged = client.get(COUNTRIES, headers={"Accept-Encoding": accept,
                                                "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and not unchanged.get_data()


def test_a_vendored_script_is_compressed_and_a_refused_encoding_is_not_sent(client, compressions):
    page = client.get("/").get_data(as_text=True)
    script = next(part.split('"')[0] for part in page.split('src="')[1:] if "/vendor/" in part)
    packed = client.get(script, headers={"Accept-Encoding": "br;q=0, gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == client.get(script).get_data()
    assert client.get(script, headers={"Accept-Encoding": "identity"}).headers.get(
        "Content-Encoding") is None
    assert compressions == {"br": 0, "gzip": 1}
