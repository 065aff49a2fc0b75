-- Federation leftovers of issue 3 (pins in `featured`, signed media fetches, remote outbox
-- attachments, report forwarding) need no schema change: pins use `featured_posts` (0003),
-- forwarded reports `reports.forwarded` (0008), and Flag deliveries are `report_forward` jobs.
-- The number is kept so the following migrations stay contiguous.
SELECT 1;
