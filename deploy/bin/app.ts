#!/usr/bin/env node
// Entry point for the CDK CLI (cdk.json: "app"). See deploy/README.md for the settings.
import { buildApp } from '../lib/app.js';

buildApp().synth();
