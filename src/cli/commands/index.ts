import type { CommandDefinition } from '../command.js';
import build from './build.js';
import deploy from './deploy.js';
import doctor from './doctor.js';
import drift from './drift.js';
import eksToken from './eks-token.js';
import { infraDown, infraKubeconfig, infraOutput, infraPlan, infraSynth, infraUp } from './infra.js';
import infraBootstrap from './infra-bootstrap.js';
import init from './init.js';
import modelsCopy from './models-copy.js';
import modelsGc from './models-gc.js';
import modelsList from './models-list.js';
import modelsReport from './models-report.js';
import modelsShow from './models-show.js';
import modelsVerify from './models-verify.js';
import predict from './predict.js';
import promote from './promote.js';
import quickstart from './quickstart.js';
import rollback from './rollback.js';
import serve from './serve.js';
import status from './status.js';
import train from './train.js';

/** Every command, in the order --help lists them. Command modules are light; handlers import lazily. */
export const COMMANDS = [
  init,
  quickstart,
  doctor,
  infraBootstrap,
  infraSynth,
  infraPlan,
  infraUp,
  infraDown,
  infraOutput,
  infraKubeconfig,
  eksToken,
  build,
  train,
  modelsList,
  modelsShow,
  modelsGc,
  modelsCopy,
  modelsVerify,
  modelsReport,
  promote,
  rollback,
  deploy,
  serve,
  predict,
  drift,
  status,
] as readonly CommandDefinition<never>[] as readonly CommandDefinition[];
