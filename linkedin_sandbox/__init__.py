"""A local stand-in for LinkedIn's OpenID Connect sign-in and Contacts API.

It runs as its own server (``python -m linkedin_sandbox``) and talks to the app only over HTTP:
the app never imports it, and it never imports the app. See README.md in this package.
"""
