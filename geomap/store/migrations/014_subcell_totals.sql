-- Per point sub-cell (migration 010), how many incidents it holds, of every type and status:
-- a count without type or status filters reads the sub-cells of its edge cells that lie
-- wholly inside the bbox here, one row each, instead of one row per type and status in
-- incident_subcells (a dense edge cell has about twelve times as many there); kept in the
-- writing transactions like incident_subcells.
CREATE TABLE incident_subcell_totals (
    layer TEXT NOT NULL,
    cell  INTEGER NOT NULL,
    sub   INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (layer, cell, sub)
) WITHOUT ROWID;

INSERT INTO incident_subcell_totals
SELECT layer, cell, sub, sum(count) FROM incident_subcells GROUP BY 1, 2, 3;
