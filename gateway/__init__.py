"""The ASGI gateway in front of Streamlit: origin check, login-bound uploads and downloads,
security headers and the HttpOnly login cookie. No page code; serve.py mounts it with st.App.

Streamlit internals it relies on, each documented where used (ui/ has its own in ui/streamlit_seam.py):
the media storage behind `runtime.get_instance().media_file_mgr` (no public delete; middleware.py
`_remove_media`) and Streamlit's wire protocol (ForwardMsg new_session, BackMsg; middleware.py).
"""
