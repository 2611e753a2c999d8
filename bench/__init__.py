"""The page benchmark behind `python manage.py bench` (a tool: it may use Streamlit's AppTest)."""
