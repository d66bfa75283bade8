/** The pool-map example's catalog module: tasks made from plain functions. */
import { fib } from '../farm/fib.js';
import { defineTask } from './poolMap.js';

/** `fib(n)`, the slow way. */
export const fibTask = defineTask('pool-map.fib', (n: number) => fib(n));

/** `x²`. */
export const square = defineTask('pool-map.square', (x: number) => x * x);
