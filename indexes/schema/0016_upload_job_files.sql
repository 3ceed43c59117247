-- The files a background upload stored, so that the files of a job whose process died can be
-- kept or put back later (service/upload_jobs.py `settle_interrupted`): `stored` lists each
-- stored file as {path, name (as uploaded), previous (the copy of the file it replaced, or
-- null)}. `folder` names the uploads folder
-- that holds them (an id written in it), so only a service that mounts that folder settles
-- them. `settled_at` is set once each file was kept or put back.
ALTER TABLE upload_jobs
    ADD COLUMN stored jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN folder text NOT NULL DEFAULT '',
    ADD COLUMN settled_at timestamptz;
-- Jobs from before this migration left their files as they were: nothing to settle.
UPDATE upload_jobs SET settled_at = coalesce(finished_at, now());
CREATE INDEX upload_jobs_unsettled_idx ON upload_jobs (folder) WHERE settled_at IS NULL;
