"""Streamlit building blocks every page uses: the build guard (`build`), tables (`tables`), download buttons
and charts with their data (`downloads`), and escaping of data for markdown (`markdown`)."""
