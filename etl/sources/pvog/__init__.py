"""Open-PVOG, the federal "Dashboard Digitale Verwaltung": per region × LeiKa service, online status and coverage.

`fetch` asks the API and fills the download cache (`cache`), `parse` reads an export by column name, `snapshots`
picks per region the newest complete snapshot a build may take, `load` is the build step writing the `pvog_*`
tables. The measure is the federal one ("flächendeckend online verfügbar"), never the BayernPortal count.
"""

from etl.sources.pvog.load import load

__all__ = ["load"]
