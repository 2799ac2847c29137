import type { CommandDefinition } from '../command.js';
import doctor from './doctor.js';
import init from './init.js';
import modelsList from './models-list.js';
import modelsShow from './models-show.js';
import { pendingCommand } from './pending.js';
import promote from './promote.js';
import quickstart from './quickstart.js';
import rollback from './rollback.js';
import train from './train.js';

/** Every command, in the order --help lists them. Command modules are light; handlers import lazily. */
export const COMMANDS = [
  init,
  quickstart,
  doctor,
  pendingCommand(
    'infra',
    'CDKTF stacks: synth | plan | up | down | output',
    'the infrastructure-as-code work',
  ),
  pendingCommand('build', 'build and push the training and serving images', 'the image build work'),
  train,
  modelsList,
  modelsShow,
  pendingCommand(
    'models gc',
    'delete versions older than the retention, never aliased ones',
    'the S3 registry and retention work',
  ),
  promote,
  rollback,
  pendingCommand('deploy', 'render and apply the serving stack to the cluster', 'the Kubernetes deploy work'),
  pendingCommand('serve', 'run the bundled serving app locally against the registry', 'the serving work'),
  pendingCommand('predict', 'send rows to a server and print predictions', 'the serving work'),
  pendingCommand(
    'status',
    'what runs where: aliases, Jobs, Deployment health',
    'the Kubernetes work',
    'mlops models list shows the aliases.',
  ),
] as readonly CommandDefinition<never>[] as readonly CommandDefinition[];
