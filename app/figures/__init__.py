"""Figure builders, one module per subject (`maps`, `start`, `rankings`, `profile`, `funding`, `digitales_amt`)
and `layout` (what every map shares). Pure functions: DataFrames in, plotly figures or display frames out;
no database, no Streamlit."""
