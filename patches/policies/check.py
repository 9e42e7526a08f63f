#!/usr/bin/env python3
"""Check that every policy file partitions the 16 non-OK gRPC codes for each rpc:
each code is in exactly one of terminal / retried / success once the *ByRpc lists are applied."""
import glob, os, sys
import yaml

CODES = ["Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
         "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
         "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"]
RPCS = ["create", "delete", "grant", "revoke"]

ok = True
for f in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "*.yaml"))):
    p = yaml.safe_load(open(f))
    for rpc in RPCS:
        cls = {
            "terminal": (p.get("terminal") or []) + ((p.get("terminalByRpc") or {}).get(rpc) or []),
            "retried": (p.get("retried") or []) + ((p.get("retriedByRpc") or {}).get(rpc) or []),
            "success": (p.get("successByRpc") or {}).get(rpc) or [],
        }
        seen = {}
        for name, codes in cls.items():
            for c in codes:
                if c not in CODES:
                    print(f"{f}: {rpc}: unknown code {c}"); ok = False
                seen.setdefault(c, []).append(name)
        for c in CODES:
            if len(seen.get(c, [])) != 1:
                print(f"{f}: {rpc}: {c} in {seen.get(c, [])}"); ok = False
    print(f"{os.path.basename(f)}: {p['variant']}: {'ok' if ok else 'ERRORS'}")
sys.exit(0 if ok else 1)
