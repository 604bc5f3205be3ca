// See README.md: `prisma dev` (the only user of this package) is not part of Latchkey's toolchain.
export async function startLocalDurableStreamsServer() {
  throw new Error(
    '@prisma/streams-local is stubbed out in Latchkey (package.json "overrides"): `prisma dev` is not supported here',
  );
}
