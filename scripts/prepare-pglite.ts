// `npm install` (postinstall): makes the embedded database's initdb template, so that the first
// `npm start` unpacks a data directory instead of running initdb (src/store/pglite.ts).
// Best effort: a failure here only means the first start runs initdb itself.
try {
  // Imported here, not above: an install without the sources (a container's dependency layer)
  // must not fail because of this step.
  const { preparePGliteTemplate } = await import('../src/store/pglite.js');
  const made = await preparePGliteTemplate();
  console.log(made ? 'latchkey: prepared the embedded database template' : 'latchkey: embedded database template present');
} catch (error) {
  console.log(`latchkey: no embedded database template (${(error as Error).message}); the first start will run initdb`);
}
