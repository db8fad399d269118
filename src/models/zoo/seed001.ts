/**
 * Seed report 001 (Priyanshi Rastogi, "Neural Networks for Classifying Fashion MNIST"): an MLP and
 * a CNN, both given as full Keras code in Appendix B. The first 5,000 training images are the
 * validation set; pixels are scaled to [0, 1]; labels are sparse (sparse categorical cross-entropy).
 */
import type { ModelSpec } from '../types.ts';
import { bn, conv, dense, dropout, flatten, maxPool, output } from './parts.ts';

const MLP_L2 = { l2: 1e-6 };
const CNN_L2 = { l2: 1e-4 };

export const seed001Mlp: ModelSpec = {
  name: 'seed001-mlp',
  description: 'Seed 001 MLP: BN after input, 350-80 relu with dropout and L2 (90.13 % validation)',
  source: 'Seed 001, Appendix B Part 1 lines 20-29 (code followed where the text differs): Flatten, ' +
    'BatchNormalization, Dense 350 relu, Dropout 0.1, Dense 80 relu, Dropout 0.2, Dense 10 softmax; every Dense ' +
    "(the output too, via the shared partial) has an L2 kernel regularizer of 1e-6. Section 5 says 'Regularizer " +
    "rate 0.0000001' and 'learning rate .01'; the code and section 6 say l2(0.000001) and SGD 0.1.",
  input: 'flat',
  layers: [
    bn(),
    dense(350, 'relu', MLP_L2), dropout(0.1),
    dense(80, 'relu', MLP_L2), dropout(0.2),
    output(10, MLP_L2),
  ],
  training: {
    optimizer: 'sgd', learningRate: 0.1, batchSize: 32, epochs: 13, validation: 'first:5000',
    notes: 'Batch size: model.fit passes none, so Keras\'s default 32. Reported 90.13 % validation accuracy.',
  },
};

export const seed001Cnn: ModelSpec = {
  name: 'seed001-cnn',
  description: 'Seed 001 CNN: conv64 4x4 same, pool 4, conv64 4x4, pool 2, dropout 0.6, dense 256-84 (92.15 % validation)',
  source: 'Seed 001, Appendix B Part 2 lines 17-29: Conv2D 64 (4,4) same relu, MaxPooling2D(4,4) (pool 4, stride 4), ' +
    'Conv2D 64 (4,4) valid relu, MaxPooling2D(2,2), Dropout 0.6, Flatten, Dense 256 relu, Dense 84 relu, Dense 10 ' +
    'softmax; every Dense has an L2 kernel regularizer of 1e-4 (the output too, via the shared partial).',
  input: 'image',
  layers: [
    conv(64, { kernel: 4 }), maxPool(4),
    conv(64, { kernel: 4, padding: 'valid' }), maxPool(2),
    dropout(0.6), flatten(),
    dense(256, 'relu', CNN_L2), dense(84, 'relu', CNN_L2),
    output(10, CNN_L2),
  ],
  training: {
    optimizer: 'adam', learningRate: 0.001, batchSize: 32, epochs: 10, validation: 'first:5000',
    notes: 'Batch size: model.fit passes none, so Keras\'s default 32. Reported 92.15 % validation accuracy.',
  },
};

export const seed001Models: ModelSpec[] = [seed001Mlp, seed001Cnn];
