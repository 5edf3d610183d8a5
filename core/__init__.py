"""What the ETL and the dashboard must agree on: region levels and keys, the database location and the
measure catalogue. Imported by both sides; imports neither."""
