/**
 * Seed report 000 (Joel Poah, "Fashion MNIST", slides): MLP and CNN baselines, pooling, BN,
 * augmentation, an activation x optimizer grid, regularization, the Machine Learning Mastery CNN
 * and two final models (fan-in, fan-out). Data: stratified split with 4,800 training images per
 * class (so 1,200 per class, 20 %, for validation), pixels scaled to [0, 1], one-hot labels.
 */
import type { ModelSpec } from '../types.ts';
import { bn, conv, dense, dropout, flatten, LEAKY, maxPool, output } from './parts.ts';

const SPLIT = 'stratified split of the training set, 4,800 images per class for training (EDA slide)';

export const seed000Mlp: ModelSpec = {
  name: 'seed000-mlp',
  description: 'Seed 000 MLP: 784-128-96-64-10',
  source: "Seed 000, 'MLP' slide: '2 - 3 layers was good with 128 neurons beginning then decreasing in " +
    "nominations of 32 neurons', 89-90 % validation accuracy. Choices: the 3-layer version (128, 96, 64); the " +
    'activation is not stated, relu assumed. The conclusion table lists 1-, 2- and 3-layer dense nets at 87.5-88.1 % test.',
  input: 'flat',
  layers: [dense(128), dense(96), dense(64), output()],
  training: { validation: '0.2', notes: `${SPLIT}; categorical cross-entropy on one-hot labels; optimizer, batch size and epochs not stated.` },
};

export const seed000LinearCnn: ModelSpec = {
  name: 'seed000-linear-cnn',
  description: 'Seed 000 CNN baseline with linear activation and no pooling',
  source: "Seed 000, 'CONV NEURAL NETWORK (CNN)' slides: 'CNN with only filtering and linear activation baseline " +
    "(no pooling)', about 84 % validation (82-83 % in the batch-size test), 81.95 % test in the conclusion table. " +
    'Choices: the layer list is not given; one 3x3 conv of 32 filters (valid padding, Keras default) then the softmax ' +
    'output, the smallest net matching the description.',
  input: 'image',
  layers: [conv(32, { padding: 'valid', activation: 'linear' }), flatten(), output()],
  training: {
    batchSize: 128, validation: '0.2',
    notes: `${SPLIT}; batch sizes 32, 64 and 128 gave the same accuracy, 128 in a third of the time, so 128 was kept. Optimizer and epochs not stated.`,
  },
};

export const seed000MlmCnn: ModelSpec = {
  name: 'seed000-mlm-cnn',
  description: "Seed 000 'Machine Learning Mastery' CNN (542,230 parameters)",
  source: "Seed 000, 'Mastery's model' slide, whose Keras summary is reproduced exactly: conv2d 32 3x3 valid " +
    '(26x26x32, 320 params), 2x2 max pool (13x13x32), flatten (5,408; the text shows 5488, a typo since 5,408 x 100 ' +
    '+ 100 = 540,900), dense 100 (540,900), dense 10 (1,010); total ' +
    "542,230 (the slide's bullet says '542 290', a typo). Activations are not shown; relu (the Machine Learning " +
    "Mastery tutorial's) assumed. Test accuracy 0.872 (0.8993 in the final table).",
  input: 'image',
  layers: [conv(32, { padding: 'valid' }), maxPool(), flatten(), dense(100), output()],
  training: {
    optimizer: 'sgd', validation: '0.2',
    notes: `${SPLIT}; the report says only 'used SGD optimizer'. The tutorial it follows uses SGD(lr 0.01, momentum 0.9), ` +
      'batch 32, 10 epochs and he_uniform kernels; those are not stated in the report and not applied here.',
  },
};

const FINAL_SOURCE = "Seed 000, 'My Final Model' and conclusion slides: leaky relu + adam, batch-norm (it 'worked " +
  "better in a deeper CNN', adding it 'to final model'), max pooling (better than average here), '144 000 params', " +
  "test accuracy 0.9205; the final table has 'Fan in final model' 0.9105 and 'Fan out final model' 0.9165. " +
  'The layer lists are not given. Choices: three 3x3 same conv blocks (conv, BN, 2x2 max pool, dropout 0.25), ' +
  'LeakyReLU with Keras\'s default slope 0.3, a 128-unit dense layer with dropout 0.5;';

const FINAL_TRAINING = {
  optimizer: 'adam' as const, batchSize: 128, validation: '0.2',
  notes: `${SPLIT}; ReduceLROnPlateau and EarlyStopping were used in the activation x optimizer grid; ` +
    'rotated/shifted/flipped copies grew the training set to 144,000 images. Epochs not stated.',
};

export const seed000FanIn: ModelSpec = {
  name: 'seed000-fan-in',
  description: 'Seed 000 final model, fan-in: conv filters decrease 128-64-32',
  source: `${FINAL_SOURCE} fan-in = filters decreasing 128, 64, 32 ('decreasing filters with each layer'). ` +
    'This has 132,714 parameters, near but not equal to the stated ~144,000, which cannot be recovered from the report.',
  input: 'image',
  layers: [
    conv(128, { activation: LEAKY }), bn(), maxPool(), dropout(0.25),
    conv(64, { activation: LEAKY }), bn(), maxPool(), dropout(0.25),
    conv(32, { activation: LEAKY }), bn(), maxPool(), dropout(0.25),
    flatten(), dense(128, LEAKY), dropout(0.5),
    output(),
  ],
  training: FINAL_TRAINING,
};

export const seed000FanOut: ModelSpec = {
  name: 'seed000-fan-out',
  description: 'Seed 000 final model, fan-out: conv filters increase 32-64-128',
  source: `${FINAL_SOURCE} fan-out = filters increasing 32, 64, 128.`,
  input: 'image',
  layers: [
    conv(32, { activation: LEAKY }), bn(), maxPool(), dropout(0.25),
    conv(64, { activation: LEAKY }), bn(), maxPool(), dropout(0.25),
    conv(128, { activation: LEAKY }), bn(), maxPool(), dropout(0.25),
    flatten(), dense(128, LEAKY), dropout(0.5),
    output(),
  ],
  training: FINAL_TRAINING,
};

export const seed000Models: ModelSpec[] = [seed000Mlp, seed000LinearCnn, seed000MlmCnn, seed000FanIn, seed000FanOut];
