-- The answer a rating given through POST /v1/feedback rated. Such a rating names an agent
-- thread, whose turns live in the agent's checkpoints, not in chat_steps: without a copy the
-- review queue showed it with no question and no answer, and the export skipped it. Holds
-- the question, the answer, the route and the citations (source, section, page, chunk id;
-- no document text: the export re-reads cited chunks with their groups). NULL for chat
-- ratings, whose step is joined from chat_steps.
ALTER TABLE feedback ADD COLUMN rated jsonb;
