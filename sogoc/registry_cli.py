"""``sogoc registry keys``: an institution's API keys, managed on the registry's host.

Whoever runs these commands can read the registry's database: the registry's operator, who
hands a new token to the institution's IT staff. The token is printed once and never again.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from core.config import Settings


def add_commands(registry_sub: argparse._SubParsersAction) -> None:
    """``sogoc registry keys ...`` under the ``registry`` command."""
    keys = registry_sub.add_parser("keys", help="institutions' API keys")
    keys_sub = keys.add_subparsers(metavar="ACTION")
    for name, help_text in (("create", "a new API key (the token is printed once)"),
                            ("list", "the institution's keys, revoked and expired ones too"),
                            ("rotate", "a new key; the other live keys expire after --overlap-hours"),
                            ("revoke", "end one key at once")):
        p = keys_sub.add_parser(name, help=help_text)
        p.add_argument("--institution", required=True, help="institution code, e.g. THPT-79-NTMK")
        if name == "rotate":
            p.add_argument("--overlap-hours", type=float, default=24.0,
                           help="how long the old keys keep working (default 24; 0 ends them now)")
        if name == "revoke":
            p.add_argument("key_id", help="the key id (the part after sgk_, before the second _)")
        p.set_defaults(func=run_keys, keys_action=name)


def run_keys(args: argparse.Namespace, settings: Settings) -> int:
    from registry import auth
    from registry.audit import Acting
    from registry.db import engine_for, make_sessionmaker

    acting = Acting.cli()
    with make_sessionmaker(engine_for(settings))() as session:
        code = args.institution
        if args.keys_action == "create":
            _print_token(auth.create_key(session, code, acting))
        elif args.keys_action == "rotate":
            if args.overlap_hours < 0:
                print("sogoc: error: --overlap-hours is 0 or more")
                return 2
            _print_token(auth.rotate_key(session, code, acting, overlap=timedelta(hours=args.overlap_hours)))
        elif args.keys_action == "revoke":
            key = auth.revoke_key(session, code, args.key_id, acting)
            print(f"key {key.key_id} of {code} revoked at {key.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
        else:
            for key in auth.keys_of(session, code):
                state = ("revoked" if key.revoked_at else f"expires {key.expires_at:%Y-%m-%d %H:%M} UTC"
                         if key.expires_at else "live")
                print(f"{key.key_id}  created {key.created_at:%Y-%m-%d %H:%M} UTC  {state}")
    return 0


def _print_token(issued) -> None:
    print(f"API key {issued.key_id} for {issued.institution_code}. The token is shown this once; "
          f"store it in the institution's secret store:\n{issued.token}")
