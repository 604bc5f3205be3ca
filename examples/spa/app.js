// The page: a login form, the current user, a logout button. The session rules are in
// latchkey-session.js; this file only wires them to the DOM.
import { LATCHKEY_URL } from './config.js';
import { createSession } from './latchkey-session.js';

const session = createSession(LATCHKEY_URL);
const $ = (id) => document.getElementById(id);

function show(message, { error = false } = {}) {
  $('status').textContent = message;
  $('status').classList.toggle('error', error);
  $('login').hidden = session.signedIn;
  $('account').hidden = !session.signedIn;
}

async function showMe() {
  const res = await session.fetch(new URL('/auth/me', LATCHKEY_URL));
  if (!res.ok) {
    $('me').textContent = '';
    return show('Signed out.');
  }
  const me = await res.json();
  $('me').textContent = JSON.stringify(me, null, 2);
  show(`Signed in as ${me.email}.`);
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  try {
    await session.login(form.get('email'), form.get('password'));
    await showMe();
  } catch (error) {
    show(`Login failed: ${error.message}`, { error: true });
  }
});

$('whoami').addEventListener('click', () => showMe().catch((error) => show(error.message, { error: true })));

$('logout').addEventListener('click', async () => {
  await session.logout();
  $('me').textContent = '';
  show('Signed out.');
});

// On every load: the access token is gone (memory only), the cookie is not. Refresh restores the session.
try {
  if (await session.refresh()) await showMe();
  else show('Signed out.');
} catch (error) {
  show(`Cannot reach Latchkey: ${error.message}`, { error: true });
}
