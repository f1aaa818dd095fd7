/**
 * What a personal string field reads as once its person's key is destroyed (crypto-shredding).
 * In a module of its own so that event schemas can accept it without importing the codec.
 */
export const ERASED = '[erased]';
