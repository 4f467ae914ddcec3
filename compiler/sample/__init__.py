"""The sample generator: fictitious reports that look like what agencies send.

Not a stage of the pipeline: it feeds it, for the bundled sample edition
(``submissions/muestra/``, ``compendio generar``), the tests and the
benchmarks. ``generator`` holds the logic (shape of the 2025 edition, planted
defects, byte-identical output for a seed); the topics and word lists it
writes from are data files in ``vocabulario/`` (YAML, shipped in the wheel).
"""

from .generator import (DEFECT_CODES, DEFECTS, DEFECTS_BY_CODE, PLACEHOLDER_TEXT, PLANTED_FILE, SAMPLE_DEFECTS,
                        SAMPLE_GENERATED, SAMPLE_PROGRAMS, SAMPLE_SEED, SECTOR_WEIGHTS, DefectKind, Generated, Planted,
                        Program, check_destination, ensure_sample, generate, plan, read_planted, write_planted,
                        write_program)

__all__ = ["DEFECT_CODES", "DEFECTS", "DEFECTS_BY_CODE", "PLACEHOLDER_TEXT", "PLANTED_FILE", "SAMPLE_DEFECTS",
           "SAMPLE_GENERATED", "SAMPLE_PROGRAMS", "SAMPLE_SEED", "SECTOR_WEIGHTS", "DefectKind", "Generated", "Planted",
           "Program", "check_destination", "ensure_sample", "generate", "plan", "read_planted", "write_planted",
           "write_program"]
