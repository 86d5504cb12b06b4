"""The Streamlit dashboard (``runway ui``): projects, experiments, runs and comparisons."""
