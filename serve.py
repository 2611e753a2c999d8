"""The server entry point: `streamlit run serve.py` serves app.py behind the gateway (gateway/).

Streamlit detects the module-level `app` and serves it with uvicorn; AppTest keeps using app.py.
"""

import streamlit as st
from starlette.middleware import Middleware

from gateway.middleware import Gateway
from gateway.routes import gateway_routes

app = st.App("app.py", middleware=[Middleware(Gateway)], routes=gateway_routes())
