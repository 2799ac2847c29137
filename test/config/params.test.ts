import { describe, expect, it } from 'vitest';
import { trainParamOverrides } from '../../src/config/params.js';
import { closest, didYouMean, editDistance } from '../../src/config/suggest.js';
import { errorOf } from '../support/error-code.js';

describe('trainParamOverrides (--param)', () => {
  it('reads numbers, booleans and text, under train.*', () => {
    expect(trainParamOverrides(['epochs=5', 'learningRate=0.1', 'backend=wasm'])).toEqual({
      'train.epochs': 5,
      'train.learningRate': 0.1,
      'train.backend': 'wasm',
    });
  });

  it('takes a list as comma-separated values, JSON or a single value', () => {
    expect(trainParamOverrides(['hiddenUnits=8,4'])).toEqual({ 'train.hiddenUnits': [8, 4] });
    expect(trainParamOverrides(['hiddenUnits=8, 4'])).toEqual({ 'train.hiddenUnits': [8, 4] });
    expect(trainParamOverrides(['hiddenUnits=[64,32]'])).toEqual({ 'train.hiddenUnits': [64, 32] });
    expect(trainParamOverrides(['hiddenUnits=16'])).toEqual({ 'train.hiddenUnits': [16] });
  });

  it('refuses an unknown parameter with the one it most likely misspells (E1020)', () => {
    const error = errorOf(() => trainParamOverrides(['epochz=5']));
    expect(error.code).toBe('MLOPS_USAGE_E1020');
    expect(error.source).toBe('usage');
    expect(error.message).toBe(
      '--param epochz: there is no training parameter "epochz"; did you mean "epochs"?',
    );
    expect(error.hint).toContain('hiddenUnits');
    expect(errorOf(() => trainParamOverrides(['colour=red'])).message).not.toContain('did you mean');
  });

  it('refuses a parameter without a value (E1002)', () => {
    expect(errorOf(() => trainParamOverrides(['epochs'])).code).toBe('MLOPS_USAGE_E1002');
    expect(errorOf(() => trainParamOverrides(['=5'])).code).toBe('MLOPS_USAGE_E1002');
  });
});

describe('did you mean', () => {
  it('counts a transposition as one edit and ignores case', () => {
    expect(editDistance('trian', 'train')).toBe(1);
    expect(editDistance('epochz', 'epochs')).toBe(1);
    expect(editDistance('Species', 'species')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests only a close candidate', () => {
    expect(closest('hiddenunits', ['hiddenUnits', 'epochs'])).toBe('hiddenUnits');
    expect(closest('registy', ['region', 'registry'])).toBe('registry');
    expect(closest('colour', ['name', 'registry', 'train'])).toBeUndefined();
    expect(didYouMean('trian', ['train', 'serve'])).toBe('did you mean "train"?');
    expect(didYouMean('zzz', ['train'])).toBeUndefined();
  });
});
