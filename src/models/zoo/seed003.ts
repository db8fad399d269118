/**
 * Seed report 003 (Doudos & Legkas, "Deep Learning Assignment 1: Fashion MNIST"): an MLP and a CNN
 * tuned with Keras Tuner's Bayesian optimisation; the best hyperparameters are listed (Figures 2
 * and 11). Validation split 0.2, early stopping on validation loss with patience 10, up to 100 epochs.
 */
import type { ModelSpec } from '../types.ts';
import { conv, dense, dropout, flatten, maxPool, output } from './parts.ts';

const TRAINING_NOTES = 'Early stopping on validation loss, patience 10, up to 100 epochs. The optimizer is not ' +
  'named (only its learning rate is tuned); Adam, Keras Tuner\'s usual choice, assumed. Batch size not stated: ' +
  'Keras\'s default for model.fit, 32. ' +
  'Augmented copies of classes 2 and 6 (rotations, zoom, flips) raised test accuracy a little.';

export const seed003Mlp: ModelSpec = {
  name: 'seed003-mlp',
  description: 'Seed 003 tuned MLP: 448-32-32-32 gelu, dropout 0.3 after the first layer (89.5 % test)',
  source: "Seed 003, 'MLP Initiation and Tuning', Figure 2 (best hyperparameters): 4 layers of 448, 32, 32, 32 " +
    'nodes, dropout 0.3 after the first and 0.0 after the others (left out), learning rate 1e-4; gelu activation ' +
    "('a safer relu alternative'), softmax output. Test accuracy 89.50 %, 90.22 % with augmentation.",
  input: 'flat',
  layers: [dense(448, 'gelu'), dropout(0.3), dense(32, 'gelu'), dense(32, 'gelu'), dense(32, 'gelu'), output()],
  training: { optimizer: 'adam', learningRate: 1e-4, batchSize: 32, epochs: 100, validation: '0.2', notes: TRAINING_NOTES },
};

export const seed003Cnn: ModelSpec = {
  name: 'seed003-cnn',
  description: 'Seed 003 tuned CNN: conv16-32-128 3x3 each with max pool, dropout 0.2/0.4, dense 128 (92.6 % test)',
  source: "Seed 003, 'Convolutional Neural Network', Figures 10 (search space) and 11 (best hyperparameters): 3 conv " +
    'layers each followed by max pooling; filters 1? (garbled; the choices were 16 or 32: 16 taken, as the digit ' +
    'shown is the first of 16), 32, 128, all 3x3; dropout 0.2 after the 2nd conv block and 0.4 after the 3rd; dense ' +
    '128 then dropout 0.2; learning rate 1e-4. Not stated: relu and 2x2 pools assumed, and same padding (28 -> 14 -> 7 -> 3), ' +
    'because the search space offered 4x4 kernels in all three layers, which valid padding cannot fit into 28x28 ' +
    '(28 -> 25 -> 12 -> 9 -> 4 -> 1, no room for the last pool). Test accuracy 92.63 %, 93.16 % with augmentation.',
  input: 'image',
  layers: [
    conv(16), maxPool(),
    conv(32), maxPool(), dropout(0.2),
    conv(128), maxPool(), dropout(0.4),
    flatten(), dense(128), dropout(0.2),
    output(),
  ],
  training: { optimizer: 'adam', learningRate: 1e-4, batchSize: 32, epochs: 100, validation: '0.2', notes: TRAINING_NOTES },
};

export const seed003Models: ModelSpec[] = [seed003Mlp, seed003Cnn];
