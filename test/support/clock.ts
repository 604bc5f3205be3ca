import type { Clock } from '../../src/clock.js';

/** A clock tests move by hand: expiry and schedules without sleeping. */
export class FakeClock implements Clock {
  #now: number;

  constructor(start: Date = new Date(Math.floor(Date.now() / 1000) * 1000)) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(seconds: number): void {
    this.#now += seconds * 1000;
  }

  set(date: Date): void {
    this.#now = date.getTime();
  }
}
