/** Activation codes understood by the addon (native/src/kernels.h, enum Act). */
export const ACT = {
  linear: 0, relu: 1, relu6: 2, leakyrelu: 3, elu: 4, sigmoid: 5, tanh: 6, selu: 7, erf: 8,
} as const;
export type ActName = keyof typeof ACT;

/** The code and alpha for a tfjs fused activation, or undefined for one we leave to tfjs (prelu). */
export function fusedActivation(activation: string | undefined, leakyreluAlpha?: number): { act: number; alpha: number } | undefined {
  switch (activation ?? 'linear') {
    case 'linear': return { act: ACT.linear, alpha: 0 };
    case 'relu': return { act: ACT.relu, alpha: 0 };
    case 'relu6': return { act: ACT.relu6, alpha: 0 };
    case 'leakyrelu': return { act: ACT.leakyrelu, alpha: leakyreluAlpha ?? 0.2 };
    case 'elu': return { act: ACT.elu, alpha: 1 };
    case 'sigmoid': return { act: ACT.sigmoid, alpha: 0 };
    default: return undefined;
  }
}
