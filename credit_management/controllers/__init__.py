from . import aged_receivables
