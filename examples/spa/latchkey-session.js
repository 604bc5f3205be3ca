// A browser session with Latchkey, in one small module (docs/browser-apps.md explains each rule).
//
// - The refresh token is an HttpOnly cookie: this code never sees it. Every call that must
//   send or receive it (login, refresh, logout) uses `credentials: 'include'`.
// - The access token lives in this module's memory only, never in localStorage or
//   sessionStorage, where any script that runs on the page (an XSS) could read it.
// - A page load has no access token: it refreshes first. An API call answered 401 (the token
//   expired) refreshes once and retries once.
// - Refreshes are single-flight per tab. Two tabs refreshing at the same moment present the same
//   cookie; Latchkey's grace window (REFRESH_REUSE_INTERVAL) answers both, so neither is
//   mistaken for a stolen token.

export function createSession(latchkeyUrl) {
  let accessToken = null;
  let refreshing = null;

  const post = (path, body) =>
    fetch(new URL(path, latchkeyUrl), {
      method: 'POST',
      credentials: 'include',
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });

  /** Resolves true when a new access token was obtained, false when there is no session. */
  function refresh() {
    refreshing ??= (async () => {
      try {
        const res = await post('/auth/refresh');
        if (!res.ok) {
          accessToken = null;
          return false;
        }
        accessToken = (await res.json()).access_token;
        return true;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function login(email, password) {
    const res = await post('/auth/login', { email, password });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error_description ?? body.error);
    accessToken = body.access_token;
  }

  async function logout() {
    accessToken = null;
    await post('/auth/logout');
  }

  /** fetch() with the access token; a 401 refreshes once and retries once. */
  async function authorizedFetch(input, init = {}) {
    if (!accessToken && !(await refresh())) return new Response(null, { status: 401 });
    const send = () => fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${accessToken}` } });
    const res = await send();
    if (res.status !== 401 || !(await refresh())) return res;
    return send();
  }

  return {
    refresh,
    login,
    logout,
    fetch: authorizedFetch,
    get signedIn() {
      return accessToken !== null;
    },
  };
}
