"""Start the LinkedIn sandbox: ``python -m linkedin_sandbox [--host HOST] [--port PORT]``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m linkedin_sandbox",
        description="A local stand-in for LinkedIn's OpenID Connect sign-in and Contacts API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8001, help="port to listen on (0: any free)")
    parser.add_argument(
        "--smtp-port",
        type=int,
        default=int(os.environ["SANDBOX_SMTP_PORT"])
        if os.environ.get("SANDBOX_SMTP_PORT")
        else None,
        help="also receive e-mail on this SMTP port, read at /mailbox (0: any free; default off)",
    )
    options = parser.parse_args(argv)

    from linkedin_sandbox.server import server_bind

    # Bind first, so that the public URL can name the port actually chosen for --port 0.
    try:
        server = server_bind(options.host, options.port)
    except OSError as error:
        parser.exit(2, f"{parser.prog}: cannot listen on {options.host}:{options.port}: {error}\n")
    listening_url = f"http://{_url_host(options.host)}:{server.server_port}"
    os.environ.setdefault("SANDBOX_PUBLIC_URL", listening_url)
    # Always the sandbox's settings, even when started from a shell configured for the app.
    os.environ["DJANGO_SETTINGS_MODULE"] = "linkedin_sandbox.settings"

    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    server.set_app(get_wsgi_application())
    # Import the views now: a bad SANDBOX_* knob fails here, and the signing key and store are
    # created before any request thread could race to create them.
    try:
        from linkedin_sandbox import urls  # noqa: F401
    except ValueError as error:
        server.server_close()
        parser.exit(2, f"{parser.prog}: {error}\n")

    if options.smtp_port is not None:
        from linkedin_sandbox.mailbox import smtp_start

        try:
            smtp = smtp_start(options.host, options.smtp_port)
        except OSError as error:
            server.server_close()
            parser.exit(
                2, f"{parser.prog}: cannot receive e-mail on port {options.smtp_port}: {error}\n"
            )

    threading.Thread(target=_warm_address_books, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"LinkedIn sandbox listening on {listening_url}", flush=True)
    print(f"Discovery: {os.environ['SANDBOX_PUBLIC_URL']}/oauth/.well-known/openid-configuration")
    if options.smtp_port is not None:
        print(f"Mailbox: SMTP on {smtp.hostname}:{smtp.port}, read at {listening_url}/mailbox")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _url_host(host: str) -> str:
    # Browsers can't visit the wildcard address; name this machine instead.
    if host in ("0.0.0.0", "::", ""):  # noqa: S104
        return "localhost"
    return f"[{host}]" if ":" in host else host


def _warm_address_books() -> None:
    """Generate and serialise every member's address book before the first export asks."""
    from linkedin_sandbox.members import MEMBERS, address_book_json

    for key in MEMBERS:
        address_book_json(key)


if __name__ == "__main__":
    main()
