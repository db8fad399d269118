/**
 * Seed report 002 ("Fashion MNIST Neural Network Modelling"): an initial 25,450-parameter ANN,
 * Optuna studies of learning rate, optimizer and batch size, then six architectures (Table 6.1).
 * Only the initial ANN's layers are given (Figure 2.1); the other six are described by name and
 * test accuracy alone, so their layers here are reconstructions, each choice written down.
 */
import type { ModelSpec, TrainingSettings } from '../types.ts';
import { bn, conv, dense, dropout, flatten, maxPool, output } from './parts.ts';

const ARCH_TRAINING: TrainingSettings = {
  optimizer: 'adam', batchSize: 128, epochs: 50, validation: '0.1',
  notes: "Section 2: 'Epoch = 50 has been applied for all the models', validation split 0.1, batch size 128. " +
    'Adam is the best optimizer of Table 4.1; the report does not say which optimizer and batch size the ' +
    'architecture comparison (Table 6.1) used, and recommends batch 32 or 64 in its conclusion.',
};

const TABLE = 'Seed 002, section 6, Table 6.1';

export const seed002Ann: ModelSpec = {
  name: 'seed002-ann',
  description: 'Seed 002 initial ANN: 784-32 sigmoid-10 (25,450 parameters)',
  source: 'Seed 002, section 2, Figure 2.1: dense 32 sigmoid (25,120 params), dense 10 softmax (330); total 25,450. ' +
    'Test accuracy 0.821.',
  input: 'flat',
  layers: [dense(32, 'sigmoid'), output()],
  training: {
    optimizer: 'sgd', learningRate: 0.01, batchSize: 128, epochs: 50, validation: '0.1',
    notes: 'Section 2: SGD with its default learning rate 0.01, categorical cross-entropy, validation split 0.1, ' +
      '50 epochs, batch 128. Section 3: Optuna found lr about 0.02 better (test 0.857); section 4: Adam 0.876.',
  },
};

export const seed002DropoutAnn: ModelSpec = {
  name: 'seed002-dropout-ann',
  description: 'Seed 002 dropout ANN: 784-128-10 with dropout 0.2',
  source: `${TABLE}: 'Dropout ANN', test accuracy 0.871; layers not given. Choices: one relu hidden layer of 128 ` +
    'units followed by dropout 0.2.',
  input: 'flat',
  layers: [dense(128), dropout(0.2), output()],
  training: ARCH_TRAINING,
};

export const seed002DeepAnn: ModelSpec = {
  name: 'seed002-deep-ann',
  description: 'Seed 002 deep ANN: 784-128-64-32-10 with dropout 0.2',
  source: `${TABLE}: 'Deep ANN', test accuracy 0.878; 'DNN ... mainly represents that we add two hidden layers', ` +
    "with 'parameters close to the dropout model'. Choices: the dropout ANN plus relu layers of 64 and 32 units, " +
    'each followed by dropout 0.2.',
  input: 'flat',
  layers: [dense(128), dropout(0.2), dense(64), dropout(0.2), dense(32), dropout(0.2), output()],
  training: ARCH_TRAINING,
};

export const seed002SimpleCnn: ModelSpec = {
  name: 'seed002-simple-cnn',
  description: 'Seed 002 simple CNN: conv32-pool, dense128 (no dropout)',
  source: `${TABLE}: 'Simple CNN', test accuracy 0.885, overfits (test loss 0.907); layers not given. Choices: ` +
    'one 3x3 relu conv of 32 filters (valid padding), 2x2 max pool, dense 128 relu.',
  input: 'image',
  layers: [conv(32, { padding: 'valid' }), maxPool(), flatten(), dense(128), output()],
  training: ARCH_TRAINING,
};

export const seed002DropoutCnn: ModelSpec = {
  name: 'seed002-dropout-cnn',
  description: 'Seed 002 dropout CNN: 2 conv + 2 max-pool + 3 dropout + 2 dense layers',
  source: `${TABLE}: 'Dropout CNN', test accuracy 0.900. Section 6 gives the layer counts: '2 Convolutional ` +
    "layers + 2 MaxPooling layers + 3 Dropout layers + 2 Fully-Connected layers'. Choices: 3x3 relu convs of 32 " +
    'and 64 filters (valid padding), dropout 0.25 after each pool and 0.5 after dense 128.',
  input: 'image',
  layers: [
    conv(32, { padding: 'valid' }), maxPool(), dropout(0.25),
    conv(64, { padding: 'valid' }), maxPool(), dropout(0.25),
    flatten(), dense(128), dropout(0.5),
    output(),
  ],
  training: ARCH_TRAINING,
};

export const seed002DeepCnnBn: ModelSpec = {
  name: 'seed002-deep-cnn-bn',
  description: 'Seed 002 deep CNN with batch-norm: two conv32 + two conv64 with BN, dense 512 (93.1 % test)',
  source: `${TABLE}: 'Deep CNN with Batch Normalization', the best model, test accuracy 0.931, loss 0.278; layers ` +
    'not given. Choices: two blocks of two 3x3 same relu convs (32, then 64 filters), each conv followed by BN, ' +
    '2x2 max pool and dropout 0.25 per block, then dense 512 relu, BN, dropout 0.5.',
  input: 'image',
  layers: [
    conv(32), bn(), conv(32), bn(), maxPool(), dropout(0.25),
    conv(64), bn(), conv(64), bn(), maxPool(), dropout(0.25),
    flatten(), dense(512), bn(), dropout(0.5),
    output(),
  ],
  training: ARCH_TRAINING,
};

export const seed002Vgg16: ModelSpec = {
  name: 'seed002-vgg16',
  description: 'Seed 002 VGG-16-style CNN: 13 3x3 convs in 5 blocks + 3 dense, at a quarter of VGG-16\'s width',
  source: `${TABLE}: 'VGG-16', test accuracy 0.921; section 6: 3x3 kernels and 2x2 max pooling throughout, 16 ` +
    'weight layers (conv + fully connected). Choices: blocks of 2, 2, 3, 3, 3 same relu convs with 16, 32, 64, 128, ' +
    "128 filters (VGG-16's 64-512 divided by 4 so it trains on a CPU), a 2x2 max pool after blocks 1-4 (28 -> 14 -> " +
    '7 -> 3 -> 1; block 5 runs at 1x1), dense 128, 128 with dropout 0.5 as in VGG, softmax output.',
  input: 'image',
  layers: [
    conv(16), conv(16), maxPool(),
    conv(32), conv(32), maxPool(),
    conv(64), conv(64), conv(64), maxPool(),
    conv(128), conv(128), conv(128), maxPool(),
    conv(128), conv(128), conv(128),
    flatten(), dense(128), dropout(0.5), dense(128), dropout(0.5),
    output(),
  ],
  training: ARCH_TRAINING,
};

export const seed002Models: ModelSpec[] = [
  seed002Ann, seed002DropoutAnn, seed002DeepAnn, seed002SimpleCnn, seed002DropoutCnn, seed002DeepCnnBn, seed002Vgg16,
];
