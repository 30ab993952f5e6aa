"""The attacks tried against TinRadar, one file per weakness found (issue #14), each run
against the real app (the review desk over real HTTP, the real CLI, a real node):

* test_forged_session: sign an admin session with the public default or a short secret.
* test_login_throttle: guess past the login limits (forged X-Forwarded-For, many
  addresses, concurrent guesses, flooding the counters).
* test_cookie_over_plain_http: read the session cookie off plain HTTP behind the proxy.
* test_stolen_session: replay a copied cookie after logout, reset or re-creation.
* test_csrf_token_encoding: crash the CSRF check with a non-ASCII token.
* test_claim_replay: take a verdict back by replaying a claim.
* test_account_removal: lock the board out by removing the (last) admin.
* test_security_events: guess and change accounts without a trace.
* test_audit_trail: a verdict without its record; delete, edit or cut off records.
* test_least_privilege: erase the audit trail with the desk's or pipeline's identity
  (second local node with security on).
* test_report_links, test_report_markdown: active links and Markdown from crawled
  text in the daily report.
* test_search_table_markup: Rich markup from crawled text in ``tinradar search``.
* test_pseudonym_salt: re-identify authors with the public default salt.
* test_mail_downgrade: strip STARTTLS to read the mail password and the report.
"""
