"""What every substrate's agents share: the population base (seeds, generators, hook components, the
end of a step, checkpoints), leaky dynamics and state-dependent noise, energy and sleep, the dream loop,
counter-based weight-noise streams, devices, and Oja's rule."""
