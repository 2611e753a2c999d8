"""The ASGI gateway in front of Streamlit: origin check, login-bound uploads and downloads,
security headers and the HttpOnly login cookie. No page code; serve.py mounts it with st.App."""
