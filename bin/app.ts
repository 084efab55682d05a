#!/usr/bin/env node
import { buildReferenceDeployment } from './reference-app';

buildReferenceDeployment().app.synth();
