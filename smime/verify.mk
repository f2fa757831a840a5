# smime/ verification engine (inbound): verify, certificate facts, trust,
# revocation. Appends to libkyso_smime.a.
