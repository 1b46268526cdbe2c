"""Helpers the test modules share: sample data, builders, a real SMTP server. No tests here, and
no fixtures: fixtures live in the ``conftest.py`` files (the root one for those used across
packages, ``tests/<package>/conftest.py`` for those used within one).

Test modules import from here, never from one another and never from a conftest
(``tests/test_floor_plan.py`` checks it). One module per subject:

* ``paths``: the repository's root and the SOMESING policy file;
* ``database``: what a database holds, as bytes or as row counts (the raw-file scans);
* ``vault``: the sample members (MINSU, JIYEON), categories, and vault shorthands;
* ``members``: sign-up arguments and the fixed "now" of the members tests;
* ``api``: REST shorthands (bearer headers, staff and member logins, problem details);
* ``smtp``: a real SMTP server (aiosmtpd on 127.0.0.1), a TLS certificate, an outbox sender;
* ``policy``: variants of the SOMESING policy for publishing a new version;
* ``auditlog``: access-log events and raw SQL;
* ``rights``: rights requests' members, mail delivery and outbox rows;
* ``drp``: the Data Rights Protocol's signed messages and a Californian member.
"""
