-- CreateEnum
CREATE TYPE "client_type" AS ENUM ('confidential', 'public');

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "client_id" VARCHAR(64) NOT NULL DEFAULT 'latchkey',
ADD COLUMN     "scope" TEXT;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "permissions" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "role_names" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "clients" (
    "client_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "type" "client_type" NOT NULL,
    "grant_types" TEXT[],
    "scopes" TEXT[],
    "audience" VARCHAR(256) NOT NULL,
    "secret_hash" CHAR(64),
    "previous_secret_hash" CHAR(64),
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "secret_rotated_at" TIMESTAMPTZ(3),

    CONSTRAINT "clients_pkey" PRIMARY KEY ("client_id")
);

-- CreateTable
CREATE TABLE "client_tokens" (
    "jti" UUID NOT NULL,
    "client_id" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "client_tokens_pkey" PRIMARY KEY ("jti")
);

-- CreateTable
CREATE TABLE "roles" (
    "name" VARCHAR(64) NOT NULL,
    "description" VARCHAR(500),
    "permissions" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "roles_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "user_roles" (
    "user_id" UUID NOT NULL,
    "role_name" VARCHAR(64) NOT NULL,

    CONSTRAINT "user_roles_pkey" PRIMARY KEY ("user_id","role_name")
);

-- CreateIndex
CREATE INDEX "client_tokens_client_id_idx" ON "client_tokens"("client_id");

-- CreateIndex
CREATE INDEX "client_tokens_expires_at_idx" ON "client_tokens"("expires_at");

-- CreateIndex
CREATE INDEX "user_roles_role_name_idx" ON "user_roles"("role_name");

-- CreateIndex
CREATE INDEX "sessions_client_id_idx" ON "sessions"("client_id");

-- AddForeignKey
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_role_name_fkey" FOREIGN KEY ("role_name") REFERENCES "roles"("name") ON DELETE CASCADE ON UPDATE CASCADE;
