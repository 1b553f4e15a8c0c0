#!/usr/bin/env node
import { runCollector } from "@platform-metrics/sdk";
import collector from "./collector.js";

await runCollector(collector);
