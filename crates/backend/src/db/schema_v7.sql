-- Z reports: each till's closed shifts, as the till computed them. The till names each report, so a send it
-- repeats is stored once; a till numbers its shifts, so two different reports for one shift are refused.
CREATE TABLE shift_reports (
    report_id TEXT PRIMARY KEY,
    terminal TEXT NOT NULL,
    number INTEGER NOT NULL,
    closed_at INTEGER NOT NULL,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (terminal, number)
);
CREATE INDEX shift_reports_closed ON shift_reports (closed_at DESC, report_id);
