#!/usr/bin/env node
// Entry point of the ccmon command.
import { main } from './main.js';

await main(process.argv.slice(2));
