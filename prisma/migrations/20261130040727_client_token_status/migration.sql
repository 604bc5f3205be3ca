-- AlterTable
ALTER TABLE "client_tokens" ADD COLUMN     "status_slot" INTEGER;

-- A revoked client-credentials token (RFC 7009 revocation, or its client deleted) revokes its
-- status-list slot in the same transaction, like a session that ends (20261130023255_status_lists).
-- The slot's free_at is the token's own expiry (+ skew), set when it was taken.
CREATE FUNCTION latchkey_client_token_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE status_slots SET revoked = true WHERE slot = NEW.status_slot AND holder = NEW.jti;
  RETURN NEW;
END $$;

CREATE TRIGGER "client_tokens_revoked_status" AFTER UPDATE OF "revoked_at" ON "client_tokens"
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION latchkey_client_token_revoked();
