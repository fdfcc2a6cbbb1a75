"""folio_schema.py FILE...: checks FOLIO user-import files against what
mod-user-import's userdataimportCollection.json / userdataimport.json
schemas require (draft-04; the facts below are ours, written from the
schema, not a copy of it), and the names its importer maps.
Exit 1 with the reasons on any problem."""
import json
import re
import sys

# the collection: required keys, key -> JSON type; no other keys allowed
COLLECTION_REQUIRED = {"users", "totalRecords"}
COLLECTION_TYPES = {"users": list, "totalRecords": int, "deactivateMissingUsers": bool,
                    "updateOnlyPresentFields": bool, "sourceType": str, "included": dict}
# one user
USER_REQUIRED = {"username", "externalSystemId"}
USER_TYPES = {"username": str, "id": str, "externalSystemId": str, "barcode": str, "active": bool,
              "type": str, "patronGroup": str, "departments": list, "meta": dict, "proxyFor": list,
              "personal": dict, "enrollmentDate": str, "expirationDate": str, "createdDate": str,
              "updatedDate": str, "metadata": dict, "tags": dict, "customFields": dict,
              "preferredEmailCommunication": list, "requestPreference": dict}
PERSONAL_REQUIRED = {"lastName"}
PERSONAL_TYPES = {"pronouns": str, "lastName": str, "firstName": str, "middleName": str,
                  "preferredFirstName": str, "email": str, "phone": str, "mobilePhone": str,
                  "dateOfBirth": str, "addresses": list, "preferredContactTypeId": str,
                  "profilePictureLink": str}
DATE_KEYS = {"dateOfBirth", "enrollmentDate", "expirationDate"}
# the importer maps these names (case-insensitively) to its ids; anything
# else, "002" included, is dropped
CONTACT_TYPES = {"mail", "email", "text", "phone", "mobile"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$")


def typed(errors, where, obj, required, types):
    for k in sorted(required - obj.keys()):
        errors.append("%s: %s is required" % (where, k))
    for k, v in obj.items():
        if k not in types:
            errors.append("%s: %s is not allowed (additionalProperties false)" % (where, k))
        elif not isinstance(v, types[k]) or (types[k] is int and isinstance(v, bool)):
            errors.append("%s: %s must be %s" % (where, k, types[k].__name__))
        elif k in DATE_KEYS and not DATE.match(v):
            errors.append("%s: %s %r is not a date" % (where, k, v))


def check(path, groups=None):
    errors = []
    d = json.load(open(path, encoding="utf-8"))
    typed(errors, path, d, COLLECTION_REQUIRED, COLLECTION_TYPES)
    for i, u in enumerate(d.get("users", [])):
        where = "%s users[%d]" % (path, i)
        if not isinstance(u, dict):
            errors.append(where + ": not an object")
            continue
        typed(errors, where, u, USER_REQUIRED, USER_TYPES)
        for k in ("username", "externalSystemId"):
            if isinstance(u.get(k), str) and not u[k]:
                errors.append("%s: %s is empty" % (where, k))
        p = u.get("personal")
        if isinstance(p, dict):
            typed(errors, where + ".personal", p, PERSONAL_REQUIRED, PERSONAL_TYPES)
            c = p.get("preferredContactTypeId")
            if c is not None and str(c).lower() not in CONTACT_TYPES:
                errors.append("%s: preferredContactTypeId %r is not one the importer maps" % (where, c))
        if groups is not None and u.get("patronGroup") not in groups:
            errors.append("%s: patronGroup %r is not a group the library has" % (where, u.get("patronGroup")))
    if isinstance(d.get("users"), list) and d.get("totalRecords") != len(d["users"]):
        errors.append("%s: totalRecords %r, %d users" % (path, d.get("totalRecords"), len(d["users"])))
    return errors


if __name__ == "__main__":
    args = sys.argv[1:]
    groups = None
    if args[:1] == ["--groups"]:
        groups = set(args[1].split(","))
        args = args[2:]
    errs = [e for f in args for e in check(f, groups)]
    for e in errs:
        print(e, file=sys.stderr)
    sys.exit(1 if errs else 0)
