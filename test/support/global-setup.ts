import pg from 'pg';

/** Fails fast with a clear message when DATABASE_URL points at a PostgreSQL that is not there. */
export default async function setup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) return;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`DATABASE_URL=${url} is not reachable: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}
