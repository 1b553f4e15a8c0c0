#!/usr/bin/env node
// The demo without its install and build steps (scripts/demo.mjs runs those, then this).
import { main } from "./main.js";

// Exit as soon as everything is stopped, whatever handle (a keep-alive socket) is still open.
process.exit(await main());
