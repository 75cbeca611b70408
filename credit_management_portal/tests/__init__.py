from . import test_field_classes
from . import test_portal_application
