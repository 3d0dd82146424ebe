// One line per command file. Each module exports `register(program)`.
import type { Command } from 'commander';
import { register as gpuInfo } from './gpu-info.ts';
import { register as replay } from './replay.ts';
import { register as logits } from './logits.ts';
import { register as generate } from './generate.ts';
import { register as loraGrad } from './lora-grad.ts';
import { register as rewards } from './rewards.ts';
import { register as judge } from './judge.ts';
import { register as serve } from './serve.ts';
import { register as episode } from './episode.ts';
import { register as train } from './train.ts';
import { register as evalCmd } from './eval.ts';
import { register as ablate } from './ablate.ts';
import { register as makeDefaultModel } from './make-default-model.ts';
import { register as makeSpeechEncoder } from './make-speech-encoder.ts';
import { register as speechAblate } from './speech-ablate.ts';
import { register as alignProjector } from './align-projector.ts';

export function registerCommands(program: Command): void {
  gpuInfo(program);
  replay(program);
  logits(program);
  generate(program);
  loraGrad(program);
  rewards(program);
  judge(program);
  serve(program);
  episode(program);
  train(program);
  evalCmd(program);
  ablate(program);
  makeDefaultModel(program);
  makeSpeechEncoder(program);
  speechAblate(program);
  alignProjector(program);
}
