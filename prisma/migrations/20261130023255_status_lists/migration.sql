-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "status_slot" INTEGER;

-- CreateTable
CREATE TABLE "status_slots" (
    "slot" SERIAL NOT NULL,
    "holder" UUID NOT NULL,
    "revoked" BOOLEAN NOT NULL DEFAULT false,
    "token_ttl" INTEGER NOT NULL,
    "free_at" TIMESTAMPTZ(3),

    CONSTRAINT "status_slots_pkey" PRIMARY KEY ("slot")
);

-- CreateIndex
CREATE INDEX "status_slots_revoked" ON "status_slots"("slot") WHERE (revoked);

-- CreateIndex
CREATE INDEX "status_slots_free_at_idx" ON "status_slots"("free_at");

-- CreateIndex
CREATE INDEX "sessions_status_slot_idx" ON "sessions"("status_slot");

-- Sessions live before this migration get a slot too, so their next access tokens carry one.
-- Their token lifetime is not known here: a day is longer than any sane ACCESS_TOKEN_TTL.
WITH live AS (
  SELECT id FROM "sessions" WHERE "revoked_at" IS NULL ORDER BY "created_at"
), slots AS (
  INSERT INTO "status_slots" ("holder", "token_ttl") SELECT id, 86400 FROM live RETURNING "slot", "holder"
)
UPDATE "sessions" s SET "status_slot" = slots."slot" FROM slots WHERE s."id" = slots."holder";

-- A session that ends (revoked: logout, reuse detection, password change, disable …; or deleted:
-- user deletion, housekeeping) revokes its status-list slot in the same transaction, whichever
-- code path ended it: the rule is stated once, here (draft-ietf-oauth-status-list-21 §7.1,
-- status INVALID). `holder` guards a slot already handed to a new session. The slot may be
-- reused once every access token carrying it has expired: token_ttl seconds after the end.
CREATE FUNCTION latchkey_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE status_slots
       SET revoked = true, free_at = COALESCE(free_at, now() + make_interval(secs => token_ttl))
     WHERE slot = OLD.status_slot AND holder = OLD.id;
    RETURN OLD;
  END IF;
  UPDATE status_slots
     SET revoked = true, free_at = NEW.revoked_at + make_interval(secs => token_ttl)
   WHERE slot = NEW.status_slot AND holder = NEW.id AND free_at IS NULL;
  RETURN NEW;
END $$;

CREATE TRIGGER "sessions_revoked_status" AFTER UPDATE OF "revoked_at" ON "sessions"
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION latchkey_session_ended();

CREATE TRIGGER "sessions_deleted_status" AFTER DELETE ON "sessions"
  FOR EACH ROW EXECUTE FUNCTION latchkey_session_ended();
