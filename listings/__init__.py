"""Cross-platform dedupe: one real-world job, one listing.

Each posting is placed in a listing by the first rule that fires, in this order
(every decision is stored in ``listing_matches`` with its rule, score and detail):

1. ``override_split`` / ``override_merge``: an analyst's decision in ``listing_overrides``.
2. ``ats_id``: the same applicant-tracking-system job id (Greenhouse, Lever, Ashby,
   Workable, SmartRecruiters) in the posting's URL, apply URL or own id.
3. ``ats_requisition``: the same ATS requisition (Greenhouse ``internal_job_id``) and the
   same title: one job the employer posts in several locations.
4. ``ats_id_mentioned``: the posting's description links an ATS job (a Hacker News
   comment naming three jobs joins the first one found, never all of them), or an
   earlier posting links this ATS job.
5. ``apply_url``: the same specific apply URL after tracking parameters are stripped.
6. ``company_title``: the same normalised company and title, a compatible location and
   a time overlap within ``DEDUPE_WINDOW_DAYS``.
7. ``company_near_title+description``: same company, same role/seniority (or the same
   title core) and description MinHash similarity of at least ``DEDUPE_DESC_THRESHOLD``
   -- description similarity never merges on its own.

Blocking: candidates are only looked up by exact keys (ATS id, requisition, apply
URL, company + title, company + role), so the cost grows linearly with postings.
Two postings with different ids on the employer's own ATS are never merged by the
content rules (the employer says they are two jobs).

A content match (6, 7) to a posting of the same platform, or to a posting that was
already closed when this one appeared, is a *repost* (``listing_matches.repost``).


Modules (bottom to top): :mod:`listings.keys` (pure keys), :mod:`listings.matcher` (pure
placement), :mod:`listings.build` (SQLite: keys, decisions, listings rows), :mod:`listings.lifecycle`
(closing and reopening after a crawl).
"""
