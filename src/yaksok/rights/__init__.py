"""Data-subject rights (section 6 of the policy, P6.1-P6.11): requests, deadlines, exports.

- ``requests``   the request lifecycle (received → verified → in progress → completed /
                 refused / extended / cancelled), every transition logged with actor and time
- ``deadlines``  when a request is due, per jurisdiction, counted as each law counts
- ``verify``     identity verification: re-authentication or a one-time code via the outbox
- ``agents``     legal representatives and authorised agents; the power of attorney, encrypted
- ``handle``     carrying out each right on the vault (and the external datasets)
- ``export``     access and portability exports: ZIP of JSON, CSV and an HTML report
- ``external``   other databases the policy declares, their access and erasure
- ``drp``        Consumer Reports' Data Rights Protocol 1.0 mapped onto the above

docs/rights.md describes the model.
"""
