import { Router } from 'express';
import type { Services } from '../services.js';

/** Admin API (admin listener only): users, sessions, signing keys. See CONTRACT "Admin API". */
export function adminRoutes(_deps: Services): Router {
  const router = Router();
  return router;
}
